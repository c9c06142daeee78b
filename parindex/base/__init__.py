"""The base layer: organisation and people, access, audit, periods, numbers, the Excel writer, the htmx
helper, background jobs. It imports nothing above it (.importlinter)."""
