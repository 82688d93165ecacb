// Browser end-to-end tests: headless Debian chromium, driven by playwright-core, against a real
// `patchwarden serve` started by scripts/e2e-browser, which passes its address in PATCHWARDEN_E2E_BASE.
// Record 1 (high, routine) and record 2 (critical, emergency) were opened from the command line.
// Every wait is bounded: the default timeout of each page, and each test's own timeout.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';

const BASE = process.env.PATCHWARDEN_E2E_BASE;
const PASSWORD = process.env.PATCHWARDEN_E2E_PASSWORD;
const WAIT_MS = 10_000;
const TEST_MS = 60_000;

const JUNIT_OK = `<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="2" time="1.2">
<testcase classname="tests.test_api" name="test_login" time="0.1"/>
<testcase classname="tests.test_api" name="test_checkout" time="0.2"/>
</testsuite></testsuites>`;

let browser;

before(async () => {
  assert.ok(BASE, 'PATCHWARDEN_E2E_BASE is not set: run scripts/e2e-browser');
  browser = await chromium.launch({
    executablePath: process.env.PATCHWARDEN_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    timeout: WAIT_MS * 3,
    args: ['--no-sandbox'],
  });
});

after(async () => {
  await browser?.close();
});

/** A fresh browser profile logged in as `name` through the login form. */
async function logIn(name) {
  const context = await browser.newContext({ acceptDownloads: true });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  const page = await context.newPage();
  await page.goto(`${BASE}/records/1`);
  // Without a session, every page leads to the login form.
  assert.match(page.url(), /\/login$/);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(`${BASE}/`), page.getByRole('button', { name: 'Log in' }).click()]);
  return page;
}

async function field(page, term) {
  return (await page.locator(`dt:text-is("${term}") + dd`).innerText()).trim();
}

/** Fills the step's form on the record page and submits it; returns the page reached. */
async function takeStep(page, id, step, values = {}) {
  await page.goto(`${BASE}/records/${id}`);
  const form = page.locator(`form[action="/records/${id}/${step}"]`);
  assert.equal(await form.count(), 1, `the page of record ${id} offers no ${step} form`);
  for (const [name, value] of Object.entries(values)) {
    await form.getByLabel(name.replaceAll('_', ' '), { exact: true }).fill(value);
  }
  await Promise.all([
    page.waitForLoadState('load'),
    page.waitForResponse((r) => r.url().endsWith(`/records/${id}/${step}`) && r.request().method() === 'POST'),
    form.getByRole('button', { name: step, exact: true }).click(),
  ]);
  await page.waitForLoadState('load');
  return page;
}

/** Takes a step that must succeed: the browser lands back on the record page with no error shown. */
async function stepOk(page, id, step, values, state) {
  await takeStep(page, id, step, values);
  await page.waitForURL(`${BASE}/records/${id}`);
  assert.equal(await page.getByRole('alert').count(), 0, await page.content());
  if (state) assert.equal(await field(page, 'State'), state, `after ${step}`);
}

test('a user who is not logged in sees the login form, and a wrong password is refused', { timeout: TEST_MS }, async () => {
  const context = await browser.newContext();
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  await page.goto(`${BASE}/`);
  assert.match(page.url(), /\/login$/);
  await page.getByLabel('Name').fill('leo');
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').waitFor();
  assert.match(page.url(), /\/login$/);
  await context.close();
});

test('the dashboard shows the open records by severity and the one due within 48 hours', { timeout: TEST_MS }, async () => {
  const page = await logIn('leo');
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  const rows = page.locator('section[aria-labelledby="open-h"] tbody tr');
  const bySeverity = Object.fromEntries(
    (await rows.allInnerTexts()).map((t) => t.split('\t').map((c) => c.trim())).map(([s, open]) => [s, open]),
  );
  assert.equal(bySeverity.critical, '1', JSON.stringify(bySeverity));
  assert.equal(bySeverity.high, '1', JSON.stringify(bySeverity));
  const due = page.locator('section[aria-labelledby="due-h"]');
  assert.match(await due.innerText(), /#2 RCE in upload/);
  assert.equal(await page.locator('section[aria-labelledby="chart-h"] svg').count(), 1);
  await page.context().close();
});

test('a routine record goes through the whole workflow from its page, and the patch log downloads', { timeout: TEST_MS }, async () => {
  const leo = await logIn('leo');
  const rosa = await logIn('rosa');

  await stepOk(leo, 1, 'assess', { data_at_risk: 'payment metadata' }, 'assessed');
  await stepOk(
    leo,
    1,
    'plan',
    {
      release_owner: 'rosa',
      targets: 'stripe@9.1.0',
      rollback: 'revert the PR',
      tests: 'pytest',
      release_date: '2026-03-05',
    },
    'planned',
  );
  // The Release Owner runs the tests; the JUnit report is pasted into the form and kept as evidence.
  await stepOk(rosa, 1, 'test', { junit_name: 'pytest.xml', junit_content: JUNIT_OK }, 'tested');
  assert.match(await rosa.locator('section[aria-labelledby="evidence-h"]').innerText(), /pytest\.xml/);
  await stepOk(rosa, 1, 'deploy', { reference: 'PR #42' }, 'deployed');
  await stepOk(rosa, 1, 'verify', { notes: 'logs clean 30 min' }, 'verified');
  await stepOk(leo, 1, 'close', {}, 'closed');

  const timeline = await leo.locator('ol.timeline').innerText();
  for (const step of ['assess', 'plan', 'test', 'deploy', 'verify', 'close']) {
    assert.match(timeline, new RegExp(`record\\.${step}\\b`), timeline);
  }
  assert.match(timeline, /rosa: record\.deploy/);
  // A closed record takes comments only.
  const forms = await leo.locator('section[aria-labelledby="next-h"] form').evaluateAll((fs) => fs.map((f) => f.getAttribute('action')));
  assert.deepEqual(forms, ['/records/1/comment']);

  // The patch log, downloaded from the link every page carries.
  const [download] = await Promise.all([
    leo.waitForEvent('download', { timeout: WAIT_MS }),
    leo.getByRole('link', { name: 'Patch log (CSV)' }).click(),
  ]);
  const csv = await readFile(await download.path(), 'utf8');
  const line = csv.split('\n').find((l) => l.includes('Stripe SDK advisory'));
  assert.ok(line, csv);
  assert.match(line, /closed/);
  assert.match(line, /PR #42/);
  await leo.context().close();
  await rosa.context().close();
});

test('an emergency approval is refused for the Release Owner and accepted for the Incident Commander', { timeout: TEST_MS }, async () => {
  const ivy = await logIn('ivy');
  const leo = await logIn('leo');
  const rosa = await logIn('rosa');

  await stepOk(ivy, 2, 'assess', { data_at_risk: 'all customer data' }, 'assessed');
  await stepOk(
    ivy,
    2,
    'plan',
    { release_owner: 'rosa', targets: 'app@1.2.4', rollback: 'redeploy 1.2.3', tests: 'pytest' },
    'planned',
  );
  await stepOk(leo, 2, 'test', { junit_name: 'pytest.xml', junit_content: JUNIT_OK }, 'tested');

  // The Release Owner sees the approve form, but the workflow refuses her and says why.
  await takeStep(rosa, 2, 'approve');
  const refusal = await rosa.getByRole('alert').innerText();
  assert.match(refusal, /needs incident_commander/, refusal);
  assert.equal(await field(rosa, 'State'), 'tested');
  // Nor is she offered the deploy before the approval.
  await rosa.goto(`${BASE}/records/2`);
  assert.equal(await rosa.locator('form[action="/records/2/deploy"]').count(), 0);

  // The Incident Commander approves; then the Release Owner can deploy.
  await stepOk(ivy, 2, 'approve', {}, 'tested');
  assert.match(await ivy.locator('ol.timeline').innerText(), /ivy: record\.approve/);
  await stepOk(rosa, 2, 'deploy', { reference: 'deploy-991' }, 'deployed');

  for (const p of [ivy, leo, rosa]) await p.context().close();
});

test('a notice is triaged from the queue: a patch record is opened with the severity chosen', { timeout: TEST_MS }, async () => {
  const rosa = await logIn('rosa');
  await Promise.all([rosa.waitForURL(`${BASE}/notices`), rosa.getByRole('link', { name: 'Notices', exact: true }).click()]);
  const notice = rosa.locator('article.notice').filter({ hasText: 'Vendor storage advisory' });
  assert.equal(await notice.count(), 1, await rosa.content());
  assert.equal(await field(notice, 'CVE ids'), 'CVE-2024-3094');
  assert.equal(await field(notice, 'Vendor'), 'ticket');
  assert.equal(
    await notice.getByRole('link', { name: /Vendor storage advisory/ }).getAttribute('href'),
    'https://status.vendor.registry.invalid/incidents/1',
  );

  const open = notice.locator('form').filter({ hasText: 'Open a patch record' });
  await open.getByLabel('Severity').selectOption('high');
  await Promise.all([rosa.waitForURL(/\/records\/\d+$/), open.getByRole('button', { name: 'Open record' }).click()]);
  assert.equal(await field(rosa, 'Severity'), 'high');
  assert.equal(await field(rosa, 'State'), 'detected');
  assert.match(await rosa.locator('h1').innerText(), /Vendor storage advisory CVE-2024-3094/);
  const record = rosa.url().split('/').pop();

  // Decided: gone from the queue, and shown with who decided and the record it opened.
  await rosa.goto(`${BASE}/notices`);
  assert.match(await rosa.locator('main').innerText(), /No untriaged notices\./);
  await rosa.getByLabel('Show').selectOption('all');
  await Promise.all([rosa.waitForURL(`${BASE}/notices?show=all`), rosa.getByRole('button', { name: 'Filter' }).click()]);
  const state = await field(rosa.locator('article.notice').first(), 'State');
  assert.match(state, new RegExp(`^opened by rosa at .*record #${record}`), state);
  await rosa.context().close();
});

test('the tasks page leads to a run and its captured output', { timeout: TEST_MS }, async () => {
  const leo = await logIn('leo');
  await Promise.all([leo.waitForURL(`${BASE}/tasks`), leo.getByRole('link', { name: 'Tasks', exact: true }).click()]);
  const row = leo.locator('tr').filter({ has: leo.getByRole('link', { name: 'purge-exports', exact: true }) });
  assert.match(await row.innerText(), /Daily purge of temporary exports/);
  assert.match(await row.innerText(), /GDPR Data Minimization/);
  const last = row.getByRole('link', { name: /failed/ });
  await Promise.all([leo.waitForURL(/\/tasks\/purge-exports\/runs\/\d+$/), last.click()]);
  assert.equal(await field(leo, 'State'), 'failed');
  assert.equal(await field(leo, 'Exit code'), '3');
  const output = await leo.locator('pre.output').innerText();
  assert.match(output, /purged <3> files/);
  assert.match(output, /disk full/);

  // The task's page lists the run, and the alert it raised.
  await Promise.all([leo.waitForURL(`${BASE}/tasks/purge-exports`), leo.getByRole('link', { name: 'purge-exports' }).click()]);
  assert.match(await leo.locator('section[aria-labelledby="alerts-h"]').innerText(), /task\.failed/);
  await leo.context().close();
});
