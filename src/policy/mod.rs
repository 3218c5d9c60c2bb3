//! The IAM policy language: parse, validate, evaluate (in progress).
