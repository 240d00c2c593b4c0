from qualflow.present.frontpage import build_front_page
from qualflow.stage import run_stage

i, p = snakemake.input, snakemake.params
data = ["participants", "interviews", "screening", "redaction", "codebook", "resolutions"]
inputs = {name: i[name] for name in data}
inputs |= {f"coder {c}": path for c, path in zip(p.coders, i.coder_files, strict=True)}
inputs |= {"transcripts": list(i.transcripts), "config": dict(p.settings)}
run_stage(
    snakemake,
    lambda: build_front_page(
        study_name=p.study_name,
        ci_level=p.ci_level,
        inputs=inputs,
        results={
            name: i[name]
            for name in [
                *data[:2],
                "agreement_summary",
                "agreement_by_code",
                "status",
                "consensus",
                "theme_frequency",
                "exemplars",
                "cleaning_report",
            ]
        },
        coding_status=dict(zip(p.coders, i.coding_status, strict=True)),
        outputs=list(i.links),
        index=snakemake.output.index,
        changes=snakemake.output.changes,
        state=p.state,
    ),
)
