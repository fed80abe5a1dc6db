"""Denoise off / on / auto on noisy speech: WER, per noise condition.

Mixtures: each real clip of ../shared/eval/asr (7 English, 5 French) plus the
clean clip of ../shared/eval/noise, with white and brown noise (1/f^0 and
1/f^2 power; seeded), at 0, 5, 10 and 20 dB SNR, and clean; with --more, also
pink noise and the real recorded noise of ../shared/eval/noise. The real noisy/clean pair is scored too,
against the transcript of the clean clip by the same model.

Each mixture is processed as the pipeline processes a window: speech found by
the VAD on the original audio, then ASR on the original (off) or the denoised
(on) audio. ``auto`` is the transcript of the mode that
``denoise.auto_decision`` picks for that mixture, so it needs no third run.
Results are cached in benchmarks/.cache; WER uses interview_assist.textnorm.

Usage: python benchmarks/denoise.py [--model whisper-base] [--model tiny.en] [--more]
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CACHE, EVAL, header  # noqa: E402

import interview_assist  # noqa: E402,F401
import jiwer  # noqa: E402
import numpy as np  # noqa: E402

from interview_assist.asr import AsrOptions, Transcriber  # noqa: E402
from interview_assist.audio import load  # noqa: E402
from interview_assist.denoise import auto_decision, estimate_noise, reduce_noise  # noqa: E402
from interview_assist.models import ModelCatalog  # noqa: E402
from interview_assist.textnorm import normalise  # noqa: E402
from interview_assist.vad import group_for_asr, speech_spans  # noqa: E402

ASR_CLIPS = ["jfk.flac", "harvard_osr_0030.wav"] + [f"fleurs-{l}-00{i}.ogg" for l in ("en", "fr") for i in range(5)]
FREESOUND = "clean_freesound_33711.wav"
NOISES = ["white", "brown"]  # the issue's conditions; --more adds pink and recorded noise
MORE_NOISES = ["pink", "real"]
SNRS = [0, 5, 10, 20]


def noise(kind: str, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "real":
        z = load(EVAL / "noise" / "noise_freesound_573577.wav").astype(np.float64)
        z = np.tile(np.roll(z, -int(rng.integers(z.size))), n // z.size + 2)[:n]
        return z - z.mean()
    w = rng.standard_normal(n)
    if kind == "white":
        return w
    spectrum = np.fft.rfft(w)
    f = np.maximum(np.fft.rfftfreq(n, 1 / 16000), 20.0)
    spectrum *= f ** (-0.5 if kind == "pink" else -1.0)
    return np.fft.irfft(spectrum, n)


def mixture(clean: np.ndarray, kind: str, snr: float | None, seed: int) -> np.ndarray:
    if kind == "clean":
        return clean
    s = clean.astype(np.float64)
    z = noise(kind, s.size, seed)
    z *= np.sqrt(np.mean(s**2) / np.mean(z**2) / 10 ** (snr / 10))
    x = s + z
    peak = np.abs(x).max()
    return (x * (0.99 / peak if peak > 0.99 else 1.0)).astype(np.float32)


def wer(ref: str, hyp: str) -> float:
    return jiwer.wer(normalise(ref), normalise(hyp) or "<empty>")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", action="append")
    ap.add_argument("--more", action="store_true", help="also pink and recorded-noise mixtures")
    args = ap.parse_args()
    catalog = ModelCatalog()
    print(header("Denoise off / on / auto: WER on noisy mixtures of real clips"))
    for name in args.model or ["whisper-base", "tiny.en"]:
        tr = Transcriber(catalog, name, AsrOptions())
        cache_path = CACHE / f"denoise_{name}.json"
        CACHE.mkdir(parents=True, exist_ok=True)
        cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}

        def text(audio, speech):
            return " ".join(s.text for s in tr.transcribe(audio, group_for_asr(speech)))

        clips = [c for c in ASR_CLIPS if not (tr.spec.english_only and "-fr-" in c)] + [FREESOUND]
        clean_ref = {}
        for clip in clips:
            if clip == FREESOUND:
                audio = load(EVAL / "noise" / clip)
                clean_ref[clip] = cache.setdefault(f"ref|{clip}", text(audio, speech_spans(audio)))
            else:
                clean_ref[clip] = (EVAL / "asr" / clip).with_suffix(".txt").read_text()
        noises = NOISES + (MORE_NOISES if args.more else [])
        conditions = [("clean", None)] + [(k, s) for s in SNRS for k in noises]
        rows = []
        for kind, snr in conditions:
            per = {"off": [], "on": [], "auto": [], "applied": 0, "snr_est": []}
            for i, clip in enumerate(clips):
                key = f"{clip}|{kind}|{snr}"
                clean = load((EVAL / "noise" / clip) if clip == FREESOUND else (EVAL / "asr" / clip))
                x = mixture(clean, kind, snr, zlib.crc32(key.encode()))
                est = estimate_noise(x)
                if key not in cache:
                    speech = speech_spans(x)
                    cache[key] = {"off": text(x, speech), "on": text(reduce_noise(x), speech)}
                    cache_path.write_text(json.dumps(cache, ensure_ascii=False))
                applied, _ = auto_decision(est)
                w = {m: wer(clean_ref[clip], cache[key][m]) for m in ("off", "on")}
                per["off"].append(w["off"])
                per["on"].append(w["on"])
                per["auto"].append(w["on"] if applied else w["off"])
                per["applied"] += applied
                per["snr_est"].append(est.snr_db)
            rows.append((kind, snr, per))
        print(f"\n### {name}: mean WER over {len(clips)} clips per condition\n")
        print("| noise | SNR | off | on | auto | auto − min(off,on) | auto denoised | estimated SNR (median) |")
        print("|---|---|---|---|---|---|---|---|")
        worst = 0.0
        for kind, snr, per in rows:
            off, on, auto = (float(np.mean(per[m])) for m in ("off", "on", "auto"))
            worst = max(worst, auto - min(off, on))
            print(
                f"| {kind} | {'-' if snr is None else snr} | {off:.3f} | {on:.3f} | **{auto:.3f}** | "
                f"{auto - min(off, on):+.3f} | {per['applied']}/{len(clips)} | {np.median(per['snr_est']):.0f} dB |"
            )
        all_off = np.mean([v for _, _, p in rows for v in p["off"]])
        all_on = np.mean([v for _, _, p in rows for v in p["on"]])
        all_auto = np.mean([v for _, _, p in rows for v in p["auto"]])
        print(f"\nAll conditions: off {all_off:.3f}, on {all_on:.3f}, auto **{all_auto:.3f}**; "
              f"largest excess of auto over the better mode in a condition: {worst:+.3f}")
        if "pair" not in cache:
            noisy = load(EVAL / "noise" / "noisy_snr0.wav")
            speech = speech_spans(noisy)
            cache["pair"] = {"off": text(noisy, speech), "on": text(reduce_noise(noisy), speech)}
            cache_path.write_text(json.dumps(cache, ensure_ascii=False))
        noisy = load(EVAL / "noise" / "noisy_snr0.wav")
        applied, reason = auto_decision(estimate_noise(noisy))
        ref = clean_ref[FREESOUND]
        w = {m: wer(ref, cache["pair"][m]) for m in ("off", "on")}
        print(f"Real pair noisy_snr0.wav (vs the clean clip's transcript): off {w['off']:.3f}, on {w['on']:.3f}, "
              f"auto {(w['on'] if applied else w['off']):.3f} ({reason})", flush=True)


if __name__ == "__main__":
    main()
