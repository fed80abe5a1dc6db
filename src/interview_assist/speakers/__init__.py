"""Stage 2, the voices: diarization (in a child process), speaker embeddings, words given speakers, roles."""
