"""What every stage shares: the time type, the records, errors, progress, hashing, the model catalog."""
