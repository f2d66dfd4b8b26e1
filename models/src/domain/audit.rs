//! Audit hash chain (placeholder: written by the audit work).
