"""Staff alerts: what needs a person reaches them on their chosen channel, and a daily
digest, from the same "needs attention" list the dashboard shows."""
