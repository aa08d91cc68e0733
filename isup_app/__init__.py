"""IsUp: uptime monitoring and status pages."""
