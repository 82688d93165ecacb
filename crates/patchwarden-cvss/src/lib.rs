//! CVSS scoring (placeholder until written).
