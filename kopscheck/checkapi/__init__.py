"""What a check is: the protocol checks implement and the types they return."""
