//! The audit log (placeholder: written by the audit work).
