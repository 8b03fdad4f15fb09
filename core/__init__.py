"""What every app stands on and no app owns: the API's error format and pagination, stored-file
responses, S3 storage options, and the one shape of background work. Imports no app."""
