## policy messages (English). Ids start with "policy-"; ja/policy.ftl holds the same ids with the same variables.

policy-subject-zone = zone { $name }
policy-subject-host = host { $name }
policy-subject-flow = flow { $name }
policy-subject-service = service { $name }
policy-subject-case = case { $name }
policy-subject-policy = policy
