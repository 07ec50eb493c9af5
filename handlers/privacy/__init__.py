"""Privacy: /privacy, consent (asked again when it changes), /mijngegevens, /vergeetmij."""
