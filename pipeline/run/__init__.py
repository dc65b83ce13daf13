"""Running the pipeline: the config tree, typed stage results, stages and the runner.

Also the artifacts they persist, batches of episodes and their manifests, and the QC report.
"""
