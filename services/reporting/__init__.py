"""Monthly reporting: cycles, the conversation's drafts, reports and their revisions."""
