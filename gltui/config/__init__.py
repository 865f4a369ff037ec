"""Where instances come from (the configuration file arrives with issue 6)."""
