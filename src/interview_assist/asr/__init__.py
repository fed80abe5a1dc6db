"""Stage 3, the words: speech units, their languages, decoding each unit alone with faster-whisper, and its flags."""
