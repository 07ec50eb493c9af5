"""Help requests: asking, the buttons on requests, cards, notices, feedback, volunteering."""
