rule clean:
    """Read, normalise, de-identify and split every transcript into turns (one job for the
    whole study: per-transcript jobs would pay Snakemake's per-job cost thousands of times).
    The cleaned texts leave as one zip, unpacked by `clean_texts`: Snakemake checksums every
    input for every output, so one job reading and writing 3,000 files each would cost
    9 million file reads."""
    input:
        interviews=config["data"]["interviews"],
        redaction=config["data"]["redaction"],
        transcripts=TRANSCRIPT_FILES,
    output:
        bundle="results/clean/texts.zip",
        units="results/clean/units.csv",
        markers="results/clean/markers.csv",
        report="results/clean/cleaning_report.csv",
    log:
        "logs/clean.log",
    benchmark:
        benchmark_file("clean")
    conda:
        "../envs/qualflow.yaml"
    threads: 4
    resources:
        mem_mb=sized(1000, 8),
        runtime=sized(5, 0.2),
    params:
        transcripts_dir=lambda wildcards, input: Path(input.transcripts[0]).parent,
        speakers=config["speakers"],
        patterns=config["deid"]["patterns"],
    script:
        "../scripts/clean.py"


# One cleaned text per transcript, the text coders code: results/clean/{transcript}.txt.
# A local rule (runs where snakemake runs, not as a cluster job): it only unpacks one zip.
# (A comment, not a docstring: snakefmt 2.1 misplaces a docstring next to `localrule`.)
rule clean_texts:
    input:
        "results/clean/texts.zip",
    output:
        clean_texts(),
    log:
        "logs/clean_texts.log",
    benchmark:
        benchmark_file("clean_texts")
    localrule: True
    conda:
        "../envs/qualflow.yaml"
    script:
        "../scripts/clean_texts.py"
