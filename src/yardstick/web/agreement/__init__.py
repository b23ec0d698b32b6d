"""The agreement card of the evaluation page and its page: `/evaluations/{id}/agreement`."""
