from qualflow.clean.shards import study_shards

# Cleaning scatters into shards (config `shards`, or --config shards=N): contiguous runs of
# the transcripts balanced by size (qualflow.clean.shards), named like Snakemake's scatter items.
SHARDS = study_shards(TRANSCRIPT_IDS, TRANSCRIPT_FILES, config["shards"])
# With one shard, clean_shard → clean is a chain: on a cluster it runs as one job (a group;
# local runs ignore groups), one submission and one status check less. With more shards the
# shards stay separate jobs, so that a cluster runs them side by side.
CLEAN_GROUP = "clean" if len(SHARDS) == 1 else None


wildcard_constraints:
    shard="|".join(SHARDS),


rule clean_shard:
    """Read, normalise, de-identify and split one shard's transcripts into turns (a few
    size-balanced jobs, not one per transcript: each job costs Snakemake ~0.2 s to start).
    """
    input:
        redaction=config["data"]["redaction"],
        transcripts=lambda wildcards: [f for _, f in SHARDS[wildcards.shard]],
    output:
        "results/clean/shards/{shard}.pkl",
    log:
        "logs/clean_shard_{shard}.log",
    benchmark:
        benchmark_file("clean_shard_{shard}")
    group:
        CLEAN_GROUP
    conda:
        "../envs/qualflow.yaml"
    threads: 4
    resources:
        mem_mb=sized(1000, 8),
        runtime=sized(5, 0.2),
    params:
        transcripts=lambda wildcards: SHARDS[wildcards.shard],
        speakers=config["speakers"],
        patterns=config["deid"]["patterns"],
        not_names=config["deid"]["not_names"],
    script:
        "../scripts/clean_shard.py"


rule clean:
    """Gather the shards: number pattern values study-wide, write the study's tables (the same
    bytes for any shard count). The cleaned texts leave as one zip, unpacked by `clean_texts`:
    Snakemake checksums every input for every output, so one job reading and writing 3,000
    files each would cost 9 million file reads."""
    input:
        parts=expand("results/clean/shards/{shard}.pkl", shard=SHARDS),
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
    group:
        CLEAN_GROUP
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(1000, 8),
        runtime=sized(5, 0.2),
    params:
        transcripts_dir=config["data"]["transcripts"],
        speakers=config["speakers"],
        patterns=config["deid"]["patterns"],
        not_names=config["deid"]["not_names"],
    script:
        "../scripts/clean.py"


# One cleaned text per transcript, the text coders code: results/clean/{transcript}.txt, and
# their manifest texts.csv, which later rules take as input in place of the texts.
# A local rule (runs where snakemake runs, not as a cluster job): it only unpacks one zip.
# (A comment, not a docstring: snakefmt 2.1 misplaces a docstring next to `localrule`.)
rule clean_texts:
    input:
        "results/clean/texts.zip",
    output:
        manifest=TEXT_MANIFEST,
        texts=clean_texts(),
    log:
        "logs/clean_texts.log",
    benchmark:
        benchmark_file("clean_texts")
    localrule: True
    conda:
        "../envs/qualflow.yaml"
    script:
        "../scripts/clean_texts.py"
