"""Denoise off / on / auto on noisy speech: WER, per noise condition.

Mixtures: each real clip of ../shared/eval/asr (7 English, 5 French) plus the
clean clip of ../shared/eval/noise, with white and brown noise (1/f^0 and
1/f^2 power; seeded), at 0, 5, 10 and 20 dB SNR, and clean; with --more, also
pink noise and the real recorded noise of ../shared/eval/noise. The real
noisy/clean pair is scored too, against the transcript of the clean clip by
the same model.

Each mixture is processed as the pipeline processes a window: speech found by
the VAD on the original audio, then ASR on the original (off) or the denoised
(on) audio. ``auto`` is the transcript of the mode that
``denoise.auto_decision`` picks for that mixture, so it needs no third run.

"model pick" is an alternative that is measured here and not shipped: decode
both ways and keep the reading the model is more confident in (higher mean
word probability; a reading with a looping segment, compression ratio above
2.4, loses). "hybrid" lets the model pick only where the signal rule is
least sure (coloured noise, spread under AUTO_MAX_SNR_DB: the branch whose
bound was read off the mixtures) and follows the rule elsewhere. "pooled" asks the same of the whole condition at once, as if its
clips were one long recording with the same noise: ✓ when the model prefers
the mode with the lower mean WER. "on − off, 90 %" is a paired bootstrap
interval of the difference in WER over the clips of the condition: where it
spans zero, the better mode is not settled by these clips. "auto − better,
90 %" is the same interval for auto against the mode with the lower mean WER
in that condition: where its lower end is below zero, an excess of auto is
within what the choice of clips alone produces.

ASR results are cached in benchmarks/.cache/denoise_<model>.json, keyed by a
fingerprint of the model weights, decoding, VAD and denoiser settings and the
library versions; a change to any of them starts a fresh cache. Decisions
(auto, model pick) are recomputed on every run, so changing them needs no new
decoding. WER uses interview_assist.core.textnorm.

Usage: python benchmarks/denoise.py [--model whisper-base] [--model tiny.en] [--more]
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import jiwer  # noqa: E402
import numpy as np  # noqa: E402
from common import CACHE, EVAL, header  # noqa: E402

import interview_assist  # noqa: E402,F401
from interview_assist.asr.transcriber import AsrOptions, Transcriber  # noqa: E402
from interview_assist.audio.decode import load  # noqa: E402
from interview_assist.audio.denoise import (  # noqa: E402
    AUTO_MAX_SNR_DB,
    AUTO_MIN_FLATNESS,
    DenoiseSettings,
    NoiseEstimate,
    auto_decision,
    estimate_noise,
    reduce_noise,
)
from interview_assist.audio.vad import VadSettings, speech_spans  # noqa: E402
from interview_assist.core.models import ModelCatalog  # noqa: E402
from interview_assist.core.textnorm import normalise  # noqa: E402

ASR_CLIPS = ["jfk.flac", "harvard_osr_0030.wav"] + [f"fleurs-{l}-00{i}.ogg" for l in ("en", "fr") for i in range(5)]
FREESOUND = "clean_freesound_33711.wav"
NOISES = ["white", "brown"]  # the issue's conditions; --more adds pink and recorded noise
MORE_NOISES = ["pink", "real"]
SNRS = [0, 5, 10, 20]
# faster-whisper's own threshold for a repetitive (looping) segment.
LOOP_COMPRESSION_RATIO = 2.4


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


def fingerprint(tr: Transcriber) -> dict:
    """Everything the cached readings depend on."""

    def version(pkg: str) -> str | None:
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return None

    return {
        "model": tr.spec.sha256,
        "asr": asdict(tr.options),
        "vad": asdict(VadSettings()),
        "denoise": asdict(DenoiseSettings()),
        "versions": {p: version(p) for p in ("faster-whisper", "ctranslate2", "noisereduce", "onnxruntime")},
    }


def reading(tr: Transcriber, audio: np.ndarray, speech) -> dict:
    """One transcript with what the model said about its own confidence."""
    segments = tr.transcribe(audio, speech)
    return {
        "text": " ".join(s.text for s in segments),
        "word_probs": [w.probability for s in segments for w in s.words],
        "compression": [s.compression_ratio for s in segments],
    }


def confidence(r: dict) -> float:
    """Mean word probability; a looping reading (or one with no words) counts as 0."""
    if not r["word_probs"] or any(c > LOOP_COMPRESSION_RATIO for c in r["compression"]):
        return 0.0
    return float(np.mean(r["word_probs"]))


def model_pick(off: dict, on: dict) -> str:
    return "on" if confidence(on) > confidence(off) else "off"


def signal_unsure(est: NoiseEstimate) -> bool:
    """Where the signal rule has the least to go on: audible coloured noise."""
    return est.snr_db < AUTO_MAX_SNR_DB and est.flatness < AUTO_MIN_FLATNESS


def pooled_pick(pairs: list[dict]) -> str:
    """The model's preference over all clips at once; the words of a looping reading count as 0."""

    def pooled(mode: str) -> float:
        probs = [p if confidence(r[mode]) > 0 else 0.0 for r in pairs for p in r[mode]["word_probs"]]
        return float(np.mean(probs)) if probs else 0.0

    return "on" if pooled("on") > pooled("off") else "off"


def interval(diff: list[float], seed: int = 0) -> tuple[float, float]:
    """A paired bootstrap 90 % interval of the mean of ``diff``."""
    d = np.asarray(diff)
    means = np.random.default_rng(seed).choice(d, (5000, d.size)).mean(axis=1)
    return float(np.percentile(means, 5)), float(np.percentile(means, 95))


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
        if cache.get("fingerprint") != fingerprint(tr):
            cache = {"fingerprint": fingerprint(tr)}

        def both(key: str, x: np.ndarray) -> dict:
            if key not in cache:
                speech = speech_spans(x)
                cache[key] = {"off": reading(tr, x, speech), "on": reading(tr, reduce_noise(x), speech)}
                cache_path.write_text(json.dumps(cache, ensure_ascii=False))
            return cache[key]

        clips = [c for c in ASR_CLIPS if not (tr.spec.english_only and "-fr-" in c)] + [FREESOUND]
        clean_ref = {}
        for clip in clips:
            if clip == FREESOUND:
                if f"ref|{clip}" not in cache:
                    audio = load(EVAL / "noise" / clip)
                    cache[f"ref|{clip}"] = reading(tr, audio, speech_spans(audio))["text"]
                clean_ref[clip] = cache[f"ref|{clip}"]
            else:
                clean_ref[clip] = (EVAL / "asr" / clip).with_suffix(".txt").read_text()
        noises = NOISES + (MORE_NOISES if args.more else [])
        conditions = [("clean", None)] + [(k, s) for s in SNRS for k in noises]
        rows = []
        for kind, snr in conditions:
            per = {"off": [], "on": [], "auto": [], "pick": [], "hybrid": [], "applied": 0, "snr_est": [], "pairs": []}
            for clip in clips:
                key = f"{clip}|{kind}|{snr}"
                clean = load((EVAL / "noise" / clip) if clip == FREESOUND else (EVAL / "asr" / clip))
                x = mixture(clean, kind, snr, zlib.crc32(key.encode()))
                est = estimate_noise(x)
                r = both(key, x)
                applied, _ = auto_decision(est, tr.spec.denoise_coloured_min_snr_db)
                w = {m: wer(clean_ref[clip], r[m]["text"]) for m in ("off", "on")}
                per["off"].append(w["off"])
                per["on"].append(w["on"])
                per["auto"].append(w["on"] if applied else w["off"])
                pick = model_pick(r["off"], r["on"])
                per["pick"].append(w[pick])
                per["hybrid"].append(w[pick] if signal_unsure(est) else per["auto"][-1])
                per["applied"] += applied
                per["snr_est"].append(est.snr_db)
                per["pairs"].append(r)
            rows.append((kind, snr, per))
        print(f"\n### {name}: mean WER over {len(clips)} clips per condition\n")
        print(
            "| noise | SNR | off | on | auto | auto − min(off,on) | auto denoised | estimated SNR (median) "
            "| on − off, 90 % | auto − better, 90 % | model pick | pick − min(off,on) | hybrid | hybrid − min(off,on) | model prefers (pooled) |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        worst = {"auto": {}, "pick": {}, "hybrid": {}}
        pooled_right = []
        for kind, snr, per in rows:
            off, on, auto, pick, hybrid = (float(np.mean(per[m])) for m in ("off", "on", "auto", "pick", "hybrid"))
            for m, v in (("auto", auto), ("pick", pick), ("hybrid", hybrid)):
                worst[m][kind] = max(worst[m].get(kind, -1.0), v - min(off, on))
            lo, hi = interval([b - a for a, b in zip(per["off"], per["on"])])
            better_mode = "on" if on < off else "off"
            alo, ahi = interval([a - b for a, b in zip(per["auto"], per[better_mode])])
            pooled = pooled_pick(per["pairs"])
            better = {"off": off, "on": on}
            right = "=" if off == on else ("✓" if better[pooled] <= min(off, on) else "✗")
            pooled_right.append(right)
            print(
                f"| {kind} | {'-' if snr is None else snr} | {off:.3f} | {on:.3f} | **{auto:.3f}** | "
                f"{auto - min(off, on):+.3f} | {per['applied']}/{len(clips)} | {np.median(per['snr_est']):.0f} dB | "
                f"[{lo:+.3f}, {hi:+.3f}] | [{alo:+.3f}, {ahi:+.3f}] | {pick:.3f} | {pick - min(off, on):+.3f} | "
                f"{hybrid:.3f} | {hybrid - min(off, on):+.3f} | {pooled} {right} |"
            )
        means = {m: np.mean([v for _, _, p in rows for v in p[m]]) for m in ("off", "on", "auto", "pick", "hybrid")}
        issue = ("clean", *NOISES)
        print(
            f"\nAll conditions: off {means['off']:.3f}, on {means['on']:.3f}, auto **{means['auto']:.3f}**, "
            f"model pick {means['pick']:.3f}, hybrid {means['hybrid']:.3f}"
        )
        for m, label in (("auto", "auto"), ("pick", "model pick"), ("hybrid", "hybrid")):
            print(
                f"Largest excess of {label} over the better mode in a condition: "
                f"{max(worst[m][k] for k in issue):+.3f} (clean, white, brown)"
                + (f", {max(worst[m].values()):+.3f} (all shown)" if args.more else "")
            )
        print(f"Pooled model preference right in {pooled_right.count('✓')} of "
              f"{len(pooled_right) - pooled_right.count('=')} conditions where the modes differ")
        noisy = load(EVAL / "noise" / "noisy_snr0.wav")
        r = both("pair", noisy)
        est = estimate_noise(noisy)
        applied, reason = auto_decision(est, tr.spec.denoise_coloured_min_snr_db)
        ref = clean_ref[FREESOUND]
        w = {m: wer(ref, r[m]["text"]) for m in ("off", "on")}
        auto, pick = w["on" if applied else "off"], w[model_pick(r["off"], r["on"])]
        print(f"Real pair noisy_snr0.wav (vs the clean clip's transcript): off {w['off']:.3f}, on {w['on']:.3f}, "
              f"auto {auto:.3f} ({reason}), model pick {pick:.3f}, "
              f"hybrid {pick if signal_unsure(est) else auto:.3f}", flush=True)


if __name__ == "__main__":
    main()
