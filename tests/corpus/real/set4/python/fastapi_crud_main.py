from fastapi import FastAPI,HTTPException,Depends
from sqlalchemy.orm import Session
import schemas,crud
from database import engine,SessionLocal,Base
from typing import List

Base.metadata.create_all(bind=engine)

app = FastAPI()

#Dependancies with DB

def get_db():
    db = SessionLocal()
    try :
        yield db
    finally:
        db.close()

#Defind Endpoints

#1.Create an employee
@app.post('/employees',response_model = schemas.EmployeeOut)
def create_employee(employee : schemas.EmployeeCreate,db:Session = Depends(get_db)):
    crud.create_employee(db,employee)

# Ger All Employees
@app.get('/employees',response_model = List[schemas.EmployeeOut])
def get_employees(db : Session = Depends(get_db)):
    return crud.get_employees(db)

#3. Get specific employee
@app.get('/employees/{emp_id}',response_model = schemas.EmployeeOut)
def get_employee(emp_id :int,db: Session= Depends(get_db)):
    employee = crud.get_employee(db,emp_id)
    if employee is None:
        raise HTTPException(status_code = 404, detail = "Employee Not Found")
    return employee

#4.Update an employee
@app.put("/employees/{emp_id}",response_model = schemas.EmployeeOut)
def update_employee(emp_id :int,employee : schemas.EmployeeUpdate,db : Session = Depends(get_db)):
    db_employee = crud.update_employee(db,emp_id,employee)
    if employee is None:
        raise HTTPException(status_code = 404, detail = "Employee Not Found")
    return db_employee

#5.Delete an Employee
@app.delete('/employees/{emp_id}',response_model = schemas.EmployeeOut)
def delete_employee(emp_id : int ,db:Session = Depends(get_db)):
    employee = crud.delete_employee(db,emp_id)
    if employee is None:
        raise HTTPException(status_code = 404, detail = "Employee Not Found")
    return employee

