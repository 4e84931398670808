"""HTTP API for the model-registry UI and a small client for it."""
import requests
from fastapi import APIRouter
from flask import Flask, redirect, render_template, url_for

app = Flask(__name__, static_url_path="/static")
router = APIRouter(prefix="/datasets", tags=["datasets"])


@app.route("/")
def index():
    return redirect(url_for("home"))


@app.route("/home")
def home():
    return render_template("home.html", links=["/home", "/data", "/models"])


@app.route("/home/<username>")
def user_home(username):
    return render_template("user.html", username=username)


@app.route("/data/<dataset_id>/preview")
def preview(dataset_id):
    return redirect("/home")


@app.get("/content/<int:item_id>")
def content(item_id):
    return {"id": item_id}


@router.get("/{name}/files")
def dataset_files(name: str):
    return []


class RegistryClient:
    def __init__(self, base_url="http://registry.internal:8080"):
        self.base_url = base_url
        self.session = requests.Session()

    def list_items(self):
        return self.session.get(f"{self.base_url}/data/items", timeout=10).json()


def smoke_test(client):
    assert client.get("/home").status_code == 200
    assert client.post("/data/items", json={"name": "iris"}).status_code == 201
    assert client.get("/kaggle/leaderboard").status_code == 200
