//! Empty: this package holds only the integration tests (`tests/`).
