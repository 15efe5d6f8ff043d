"""`photoshelf import`: bring a folder of photos in through the upload pipeline, without HTTP.

discovery finds the files, worker runs the pipeline on one, pool runs workers in parallel with a
bounded queue, report and progress tell what happened; run.py ties them together.
"""
