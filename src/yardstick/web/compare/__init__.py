"""The comparison page: `/compare?baseline=A&candidate=B`."""
