#!/usr/bin/env bash
# A longer Schemathesis run against the API's own schema (the suite runs a bounded one).
# Usage: scripts/schemathesis.sh [examples-per-operation, default 200]
set -euo pipefail
cd "$(dirname "$0")/.."
export REDANGEL_SCHEMATHESIS_EXAMPLES="${1:-200}"
exec .venv/bin/pytest tests/security/test_schemathesis.py -q -s -k sqlite
