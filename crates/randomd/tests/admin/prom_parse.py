"""Reads a metrics page on stdin with Prometheus' own Python parser (OpenMetrics text format) and
prints every sample as JSON: [[name, {labels}, value], ...]. A page the parser rejects fails."""
import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families

samples = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        samples.append([sample.name, dict(sample.labels), sample.value])
json.dump(samples, sys.stdout)
