from celery import shared_task


@shared_task(name="workers.sweep_abandoned_uploads")
def sweep_abandoned_uploads():
    """Delete staged uploads and unfinished multipart uploads that no commit claimed within a day."""
    from hub.deltas.cleanup import sweep_abandoned_uploads as sweep

    return sweep()
