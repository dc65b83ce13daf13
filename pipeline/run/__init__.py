"""Running the pipeline: configs, stages, the runner, batches, and what a run writes for people.

* :mod:`.config`: YAML and overrides to one typed config tree; :mod:`.context`: what a stage
  sees; :mod:`.results` and :mod:`.codecs`: the typed stage results and their JSON;
  :mod:`.stages`: the registered stages, bodies by concept.
* :mod:`.runner`: stages in order, skipped when unchanged; :mod:`.codehash`: the code a stage
  depends on; :mod:`.artifacts`: atomic files, JSON types, hashes.
* :mod:`.batch`, :mod:`.jobs`, :mod:`.executors`, :mod:`.manifest`, :mod:`.folder`: many
  episodes, locally or on Ray.
* :mod:`.report`, :mod:`.review`, :mod:`.reviewed`: the QC report and the review page;
  :mod:`.deliver`: ``-o FILE``.
"""
