"""Getting data in: bulk files and (later) provider webhooks."""
