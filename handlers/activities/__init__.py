"""Activities: creating and proposing, the agenda, RSVP, reminders, calendar files."""
