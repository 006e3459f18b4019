"""What operators run the service with: readiness, metrics, request ids, backups."""
