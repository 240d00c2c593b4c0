rule clean:
    """Read, normalise, de-identify and split every transcript into turns (one job for the
    whole study: per-transcript jobs would pay Snakemake's per-job cost thousands of times).
    """
    input:
        interviews=config["data"]["interviews"],
        redaction=config["data"]["redaction"],
        transcripts=TRANSCRIPT_FILES,
    output:
        texts=clean_texts(),
        units="results/clean/units.csv",
        markers="results/clean/markers.csv",
        report="results/clean/cleaning_report.csv",
    log:
        "logs/clean.log",
    conda:
        "../envs/qualflow.yaml"
    threads: 4
    params:
        transcripts_dir=lambda wildcards, input: Path(input.transcripts[0]).parent,
        speakers=config["speakers"],
        patterns=config["deid"]["patterns"],
    script:
        "../scripts/clean.py"
