"""Stage 1, the sound: validating and decoding a recording to 16 kHz mono, speech detection (VAD), denoising."""
