"""The product catalogue a shop keeps: each product's (or variant's) category and care data
(usage period, warranty, maintenance interval, care guide in vi and en, related products),
set by the REST API, CSV, the staff Products page or a platform's product tags/metafields,
and read by the journeys that care for what a customer bought."""
