"""A summary of an opened dataset, for `polystyle datasets inspect` (text or --json)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from polystyle.data.folder import StyleFolder
from polystyle.data.report import Problem, count_by_kind
from polystyle.data.splits import SPLITS


def summarize(folder: StyleFolder) -> dict[str, Any]:
    splits = {s.id: Counter() for s in folder.styles}
    for record in folder.records:
        splits[record.style_id][record.split] += 1
    sizes = Counter(f"{r.source_size[0]}x{r.source_size[1]}" for r in folder.records)
    modes = Counter(r.source_mode for r in folder.records)
    return {
        "root": str(folder.root),
        "cache": {"dir": str(folder.cache_dir), "mode": folder.mode, "hit": folder.from_cache},
        "size": folder.size,
        "channels": folder.channels,
        "images": len(folder),
        "paired_stems": len(folder.pairs),
        "styles": [
            {
                "name": s.name,
                "id": s.id,
                "count": s.count,
                **{split: splits[s.id][split] for split in SPLITS},
                "paired": folder.pairs.paired_count(s.id),
                "description": s.description,
            }
            for s in folder.styles
        ],
        "source_sizes": dict(sizes.most_common()),
        "source_modes": dict(modes.most_common()),
        "problems": [p.to_dict() for p in folder.problems],
        "problem_counts": count_by_kind(folder.problems),
    }


def format_summary(summary: dict[str, Any], max_problems: int = 50) -> str:
    lines = [
        f"dataset {summary['root']}",
        f"  {len(summary['styles'])} styles, {summary['images']} images at {summary['size']} px, "
        f"{summary['channels']} channel(s), {summary['paired_stems']} stems paired across styles",
        f"  cache: {summary['cache']['mode']} ({'loaded' if summary['cache']['hit'] else 'built'})"
        f" {summary['cache']['dir']}",
        "",
        f"  {'style':<16}{'id':>3}{'images':>8}{'train':>7}{'val':>5}{'test':>6}{'paired':>8}"
        "  description",
    ]
    for s in summary["styles"]:
        lines.append(
            f"  {s['name']:<16}{s['id']:>3}{s['count']:>8}{s['train']:>7}{s['val']:>5}"
            f"{s['test']:>6}{s['paired']:>8}  {s['description']}"
        )
    top_sizes = ", ".join(f"{k} ({v})" for k, v in list(summary["source_sizes"].items())[:5])
    modes = ", ".join(f"{k} ({v})" for k, v in summary["source_modes"].items())
    lines += ["", f"  source sizes: {top_sizes}", f"  source modes: {modes}"]
    problems = summary["problems"]
    if not problems:
        lines.append("  problems: none")
    else:
        counts = ", ".join(f"{k} {v}" for k, v in summary["problem_counts"].items())
        lines.append(f"  problems: {len(problems)} skipped ({counts})")
        for p in problems[:max_problems]:
            lines.append(f"    {Problem.from_dict(p).line()}")
        if len(problems) > max_problems:
            lines.append(f"    ... {len(problems) - max_problems} more (use --json for all)")
    return "\n".join(lines)
