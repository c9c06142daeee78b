"""The analytics layer: every count and ratio (indicators), year targets, dashboards, the QĐ 766
service index, the public results page and the Excel reports. It reads the domain apps; nothing
below it imports it (.importlinter)."""
