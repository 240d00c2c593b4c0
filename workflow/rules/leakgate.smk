def leak_gate_target():
    """The leak gate's report, part of the default target unless deid.leak_gate is false."""
    return ["results/leak_gate.txt"] if config["deid"].get("leak_gate", True) else []


rule leak_gate:
    """Defence in depth: after every other output is made, scan every file under results/ and
    logs/ (zip members and notebook HTML included) for any listed term or pattern value; fail
    naming file and offset if one survived (qualflow.clean.leakgate)."""
    input:
        outputs=all_outputs(),
        redaction=config["data"]["redaction"],
    output:
        "results/leak_gate.txt",
    log:
        "logs/leak_gate.log",
    benchmark:
        benchmark_file("leak_gate")
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(1000, 2),
        runtime=sized(10, 0.2),
    params:
        patterns=config["deid"]["patterns"],
        not_names=config["deid"]["not_names"],
    script:
        "../scripts/leak_gate.py"
