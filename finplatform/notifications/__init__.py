"""In-app notifications (站内通知): notices for events that need someone's action."""
