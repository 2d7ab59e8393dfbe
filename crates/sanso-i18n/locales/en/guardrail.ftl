## guardrail messages (English). Ids start with "guardrail-"; ja/guardrail.ftl holds the same ids with the same variables.

