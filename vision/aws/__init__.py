"""Amazon Rekognition through boto3: one client, AWS's errors as ours, and our values in the
shapes of its requests and answers. Used by both `rekognition` implementations."""
