"""Launch the training job in SageMaker local mode for a quick smoke test."""
import sagemaker
from sagemaker.pytorch import PyTorch

session = sagemaker.LocalSession()
session.config = {"local": {"local_code": True}}

estimator = PyTorch(
    entry_point="train.py",
    source_dir="src",
    role="arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole",
    framework_version="2.1",
    py_version="py310",
    instance_count=1,
    instance_type="local_gpu",
    output_path="file:///tmp/sm-local-out",
    hyperparameters={"epochs": 1, "model-dir": "/opt/ml/model"},
    sagemaker_session=session,
)

estimator.fit({
    "train": "file:///home/ec2-user/SageMaker/churn/data/train",
    "validation": "s3://acme-ml-data/churn/validation/",
})

STUDIO_WORKDIR = "/home/sagemaker-user/churn"
