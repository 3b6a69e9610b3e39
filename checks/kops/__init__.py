"""kops checks."""
