## plan messages (English). Ids start with "plan-"; ja/plan.ftl holds the same ids with the same variables.

