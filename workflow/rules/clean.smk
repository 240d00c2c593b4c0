rule clean:
    """Read, normalise, de-identify and split every transcript into turns (one job for the
    whole study: per-transcript jobs would pay Snakemake's per-job cost thousands of times)."""
    input:
        interviews=config["data"]["interviews"],
        redaction=config["data"]["redaction"],
        transcripts=TRANSCRIPT_FILES,
    output:
        texts=clean_texts(),
        units="results/clean/units.csv",
        markers="results/clean/markers.csv",
        report="results/clean/cleaning_report.csv",
    params:
        transcripts_dir=config["data"]["transcripts"],
        speakers=config["speakers"],
        patterns=config["deid"]["patterns"],
    threads: 4
    log:
        "logs/clean.log",
    script:
        "../scripts/clean.py"
