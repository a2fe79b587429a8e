"""Early warning: the event register, rules, the alert life cycle, explanations and delivery."""
