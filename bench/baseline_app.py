"""The yardsticks bench/sync_api.py measures the real app against, served the same way
(gunicorn, same workers): a bare Flask JSON endpoint and a raw-body sink."""

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.put("/json/<item_id>")
def bare_json(item_id):
    body = request.get_json()
    return jsonify({"id": item_id, "fields": len(body)}), 201


@app.put("/sink/<item_id>")
def raw_sink(item_id):
    data = request.get_data(cache=False)
    return jsonify({"id": item_id, "bytes": len(data)}), 201
