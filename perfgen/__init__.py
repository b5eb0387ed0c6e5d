"""perfgen: budget performance documents (绩效文本) from YAML specs."""
