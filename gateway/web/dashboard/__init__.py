"""The dashboard's own parts: the official's inbox (待我处理) and the charts of their scope."""
