"""Community: campaigns to segments, early access, events and workshops, groups, ambassadors."""
